import { showOrders } from './orderlist.js';

showOrders('landlord');
